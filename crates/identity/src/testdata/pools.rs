//! Name pools per locale: common given names and surnames (public-domain facts; frequency lists of
//! national statistics offices were the inspiration, the selection is ours).

/// A locale of the generated people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Locale {
    pub(crate) region: &'static str,
    /// Share of people, in percent.
    pub(crate) weight: u32,
    /// Given names, space-separated. Female names end with `a`/`я`/`а` where that marks gender.
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    /// Names are written in Cyrillic and transliterated.
    pub(crate) cyrillic: bool,
    /// Two surnames (Spanish naming).
    pub(crate) two_surnames: bool,
    /// Syllables (starts, middles, ends) for the long tail of rarer surnames.
    pub(crate) tail: [&'static str; 3],
}

pub(crate) static LOCALES: &[Locale] = &[
    Locale {
        region: "ES",
        weight: 20,
        first: "Lucía María José Antonio Manuel Carmen Ana Laura Javier David Daniel Francisco Juan \
                Pablo Sergio Alejandro Marta Elena Cristina Isabel Pilar Raquel Sara Paula Álvaro \
                Jorge Carlos Miguel Ángel Rocío Nuria Beatriz Andrés Fernando Íñigo Begoña Jesús \
                Rafael Alberto Luis Adrián Irene Silvia Patricia Mercedes Inés Gonzalo Diego",
        last: "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín \
               Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro \
               Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez \
               Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés \
               Castillo Santos Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León \
               Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes Carrasco Diez Caballero",
        cyrillic: false,
        two_surnames: true,
        tail: [
            "Al Bel Cal Dor Es Gal Lar Mor Nav Pal Ros Sal Tor Val Ver Zam Ber Cas Fer Gar Her Mar Ol Pi Ru Sol Vi Ech Ur Ib",
            "a e i o an ar er or el al ad eg",
            "ez es ero eda illa ales ano ino uela ado ueta arte aga",
        ],
    },
    Locale {
        region: "RU",
        weight: 15,
        first: "Андрей Алексей Дмитрий Сергей Иван Михаил Николай Павел Александр Евгений Юрий \
                Олег Виктор Владимир Максим Артём Игорь Роман Григорий Фёдор Мария Анна Ольга \
                Елена Наталья Татьяна Ирина Светлана Юлия Екатерина Ксения Дарья Анастасия \
                Людмила Галина Вера Надежда Алина Полина Софья Лилия Жанна",
        last: "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров \
               Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев \
               Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев \
               Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев \
               Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов \
               Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Щербаков Чернышёв Хохлов \
               Юдин Цветков Шишкин Журавлёв Покровский Никольский Козловский",
        cyrillic: true,
        two_surnames: false,
        tail: [
            "Бел Вор Гор Дуб Жар Зел Кар Лоб Мал Ник Пор Рыб Сав Тол Чер Шув Ярц Бог Кот Мед",
            "а о е и ан ор ел ин ов",
            "ов ев ин ский цкий ых ков ёнок",
        ],
    },
    Locale {
        region: "UA",
        weight: 8,
        first: "Олександр Андрій Дмитро Сергій Іван Михайло Микола Василь Юрій Олег Віктор \
                Володимир Максим Богдан Тарас Ярослав Петро Григорій Олена Оксана Наталія Тетяна \
                Ірина Світлана Юлія Катерина Ганна Марія Людмила Галина Віра Надія Софія Дарина \
                Ольга Вікторія Зоряна Євген Євгенія",
        last: "Коваленко Шевченко Бондаренко Ткаченко Кравченко Бойко Коваль Олійник Шевчук \
               Поліщук Лисенко Мельник Павленко Савченко Руденко Марченко Мороз Карпенко \
               Кравчук Петренко Гончаренко Клименко Левченко Романенко Литвиненко Гнатюк Білик \
               Ковальчук Захарченко Іваненко Приходько Дорошенко Гордієнко Яковенко Зінченко \
               Юрченко Мартинюк Антоненко Гаврилюк Тимошенко Григоренко Костенко Лук'яненко \
               Остапенко Пономаренко Вакуленко Дячук Семенюк Ющенко",
        cyrillic: true,
        two_surnames: false,
        tail: [
            "Бонд Гриц Дид Жур Кул Лит Мих Пан Сир Тер Фед Хар Шам Яц Бур Гон Дем Кос",
            "а о е и ар ен ич ук",
            "енко ук юк чук ич ський ець ик",
        ],
    },
    Locale {
        region: "GB",
        weight: 10,
        first: "Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Henry Leo \
                Alfie Joshua Freddie Archie Ethan Isaac Alexander Olivia Amelia Isla Ava Emily \
                Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Chloe Jessica Ruby Daisy \
                Freya Alice Jon John Siobhan Niamh Rhys Gareth",
        last: "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts \
               Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke \
               Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker \
               Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young \
               Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy \
               Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson \
               Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews \
               Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens \
               Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard \
               Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West \
               Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose \
               Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman \
               Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry \
               Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy \
               Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop \
               Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton \
               Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman \
               Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne \
               Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard \
               Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley \
               Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehouse Randall Perk",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Ash Black Brad Craw Dun Fair Glad Hart Kings Lang Mar Nor Pem Rad Shel Thorn Whit Win Brom Cul",
            "er ing ley wood ford ham ton",
            "ton ley field worth by more well ridge stone shaw",
        ],
    },
    Locale {
        region: "US",
        weight: 10,
        first: "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi \
                Alexander Jackson Mateo Daniel Michael Mason Sebastian Ethan Olivia Emma \
                Charlotte Amelia Sophia Mia Isabella Ava Evelyn Luna Harper Camila Sofia Scarlett \
                Elizabeth Eleanor Emily Chloe Mila Violet Penelope Gianna Aria Abigail Ella \
                Avery Hazel Nora Layla Lily Aurora Nova Ellie Madison Grace Isla Willow Zoe Riley",
        last: "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez \
               Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee \
               Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen \
               King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera \
               Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz \
               Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz \
               Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson \
               Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez \
               Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell \
               Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons \
               Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno \
               West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray \
               Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy \
               Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson \
               Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes \
               Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice \
               Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne \
               Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Abb Bry Carl Dal Ev Fitz Gal Holl Jar Kell Lind Mad Nor Pratt Quin Rand Stan Tal Ver Wal",
            "er ing ley son ow",
            "son ley man ton ford worth field er ing stead",
        ],
    },
    Locale {
        region: "DE",
        weight: 7,
        first: "Ben Paul Jonas Elias Leon Finn Noah Luis Lukas Felix Maximilian Henry Emil Jürgen \
                Matthias Stefan Thomas Andreas Michael Klaus Mia Emma Hannah Sofia Anna Emilia Lina \
                Marie Lena Mila Lea Clara Leonie Sabine Ursula Petra Monika Katrin Jörg Uwe Björn",
        last: "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer \
               Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger \
               Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze \
               Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz \
               Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler \
               Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus \
               Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt \
               Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch \
               Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Alt Bre Dorn Eber Fried Gold Hein Kirch Lind Mann Ober Rein Schwarz Stein Wald Wen Zell Hoch Bau",
            "en er el ig ing",
            "mann berg bach hof feld stein ner ler inger haus",
        ],
    },
    Locale {
        region: "FR",
        weight: 6,
        first: "Gabriel Léo Raphaël Arthur Louis Jules Adam Maël Lucas Hugo Noah Liam Sacha \
                Nathan Éric François Jérôme Stéphane Sébastien Frédéric Jade Louise Emma Alice \
                Ambre Lina Rose Chloé Mia Léa Anna Inès Julia Mila Zoé Hélène Océane Cécile \
                Geneviève Amélie Maëlle",
        last: "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon \
               Michel Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont \
               Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin \
               Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément \
               Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont \
               Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas \
               Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux \
               Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier \
               Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume \
               Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin \
               Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris \
               Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Beau Char Dela Fon Gar Lav Mar Mont Pel Ros Thib Vau Bon Cour Duch Laf",
            "a e i ou el er",
            "eau ier ard et ot in ais oux elle aud",
        ],
    },
    Locale {
        region: "IT",
        weight: 6,
        first: "Leonardo Francesco Alessandro Lorenzo Mattia Andrea Gabriele Riccardo Tommaso \
                Edoardo Giuseppe Giovanni Antonio Marco Luca Sofia Giulia Aurora Alice Ginevra \
                Emma Giorgia Greta Beatrice Anna Chiara Francesca Federica Valentina Martina \
                Niccolò Nicolò Ilaria Elisa",
        last: "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno \
               Gallo Conti De Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri \
               Fontana Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile \
               Martinelli Vitale Lombardo Serra Coppola De Santis D'Angelo Marchetti Parisi \
               Villa Conte Ferraro Ferri Fabbri Bianco Marini Grasso Valentini Messina Sala De \
               Angelis Gatti Pellegrini Palumbo Sanna Farina Rizzi Monti Cattaneo Morelli Amato \
               Silvestri Mazza Testa Grassi Pellegrino Carbone Giuliani Benedetti Barone Rossetti \
               Caputo Montanari Guerra Palmieri Bernardi Martino Fiore De Rosa Ferretti Bellini \
               Basile Riva Donati Piras Vitali Battaglia Sartori Neri Costantini Milani Pagano \
               Ruggiero Sorrentino D'Amico Orlando Damico Negri",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Bel Caf Dal Fer Gal Lup Marz Pan Ros San Tor Ven Bor Cav Guid Sper",
            "a e i o ar el",
            "ini etti ucci elli one ato ardi ese ino aro",
        ],
    },
    Locale {
        region: "BR",
        weight: 8,
        first: "Miguel Arthur Gael Heitor Theo Davi Gabriel Bernardo Samuel João Pedro Lucas \
                Matheus Rafael Guilherme Helena Alice Laura Maria Valentina Heloísa Cecília Júlia \
                Sophia Manuela Isabela Lorena Lívia Giovanna Beatriz Mariana Ana Luísa Vitória \
                Letícia Larissa Thiago Caio Vinícius Leandro",
        last: "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa \
               Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias \
               Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso Ramos \
               Gonçalves Santana Teixeira Araújo Pinto Correia Cavalcanti Monteiro Moura Batista \
               Campos Azevedo Castro Cunha Melo Barros Reis Farias Sousa Brito Conceição Duarte",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Ara Bel Cor Fal Gou Lac Mac Nog Pas Quei Sal Tav Vas Bran Cou",
            "a e i o ar er",
            "eira ada ano ães ares edo inho ota ura ões",
        ],
    },
    Locale {
        region: "MX",
        weight: 5,
        first: "Santiago Mateo Sebastián Leonardo Matías Emiliano Diego Miguel Ángel Daniel \
                Alexander Jesús Gael José Luis Juan Carlos Sofía Valentina Regina María José \
                Camila Ximena Renata Valeria Guadalupe Fernanda Victoria Daniela Andrea Paola \
                Itzel Citlali Alejandra Mariana",
        last: "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz \
               Flores Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza \
               Aguilar Ortiz Moreno Castillo Romero Álvarez Méndez Chávez Rivera Juárez Ramos \
               Domínguez Herrera Medina Castro Vargas Guzmán Velázquez Muñoz Rojas Contreras \
               Salazar Luna Ortega Santiago Guerrero Estrada Bautista Cortés Soto Alvarado",
        cyrillic: false,
        two_surnames: true,
        tail: [
            "Al Bel Cal Dom Es Gal Ibar Lar Mor Ochoa Pal Qui Ros Sal Tor Val Zu Vill",
            "a e i o an ar",
            "ez es ero eda illa ales ano ino ado arreal",
        ],
    },
    Locale {
        region: "IN",
        weight: 5,
        first: "Aarav Vihaan Vivaan Aditya Arjun Sai Reyansh Krishna Ishaan Rohan Rahul Amit \
                Vikram Sanjay Rajesh Suresh Anil Ananya Diya Aadhya Saanvi Pari Anika Navya \
                Priya Pooja Neha Kavya Lakshmi Sunita Deepika Meera Shreya Nisha Divya",
        last: "Sharma Verma Gupta Singh Kumar Patel Shah Mehta Joshi Reddy Rao Nair Iyer Menon \
               Pillai Das Bose Banerjee Chatterjee Mukherjee Ghosh Sen Agarwal Jain Kapoor \
               Malhotra Khanna Chopra Bhatia Sethi Saxena Srivastava Mishra Pandey Tiwari Dubey \
               Chauhan Yadav Thakur Desai Kulkarni Patil Naidu Krishnan Subramanian Venkatesh",
        cyrillic: false,
        two_surnames: false,
        tail: [
            "Ban Chak Dhar Gan Jai Kal Mal Nand Pras Rag Sar Tri Vard Bhat Chand",
            "a i u an ar",
            "wal ani kar esh ari ath iah avan indra ekar",
        ],
    },
];
